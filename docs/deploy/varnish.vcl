# Varnish in front of the app servers, purged by surrogate key (varnish-modules' xkey).
#
# Needs Varnish 6 or newer with varnish-modules (Debian: apt-get install varnish
# varnish-modules). The app runs with EDGE_PURGER=varnish and EDGE_CACHE_URL naming each
# Varnish (http://varnish-1:6081,http://varnish-2:6081); after a change commits it sends
#     PURGE / HTTP/1.1
#     xkey-purge: article-12 listing
# and every cached page whose Surrogate-Key names one of those keys is dropped at once.
# docs/deploy.md describes the keys; tests/delivery/test_edge_varnish.py runs this file.

vcl 4.1;

import xkey;

# The app server. For several, give each a backend of its own (app1, app2, … with these
# settings) and put them behind a director from vmod_directors, which ships with Varnish:
#     import directors;
#     backend app1 { .host = "10.0.0.11"; .port = "8000"; … }
#     backend app2 { .host = "10.0.0.12"; .port = "8000"; … }
#     sub vcl_init {
#         new apps = directors.round_robin();
#         apps.add_backend(app1);
#         apps.add_backend(app2);
#     }
#     sub vcl_recv { set req.backend_hint = apps.backend(); }
# in place of this block (Varnish runs that vcl_recv before the one below). The rules after
# it stay as they are: tests/support/edge.py writes exactly this for the two-server test.
backend app {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
}

# Who may purge: the app servers. Anyone else gets a 403.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the keys to purge in xkey-purge"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone + " objects"));
    }
    # Health checks tell about the app server answering now, never about a stored copy.
    if (req.url ~ "^/(healthz|readyz)(\?|$)") {
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The admin, the editor's endpoints and preview links are never kept, nor is anything
    # asked for with a session (a signed-in editor) or credentials. Change "sessionid" if
    # SESSION_COOKIE_NAME is set to something else.
    if (req.url ~ "^/(admin|markdownx|preview)(/|$)") {
        return (pass);
    }
    if (req.http.Authorization || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Other cookies (the CSRF token) change nothing on a public page: without this, Varnish
    # would keep nothing for a reader who once opened a form.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # Hashed static files: kept as long as their own Cache-Control says (a year).
    if (bereq.url ~ "^/static/") {
        return (deliver);
    }
    # Keep only what the app marked as one page for every reader: public, with its keys
    # (so a purge can find it), setting no cookie. Anything else goes to the app each time.
    if (!beresp.http.Surrogate-Key
        || beresp.http.Set-Cookie
        || beresp.http.Cache-Control !~ "public"
        || beresp.http.Cache-Control ~ "(private|no-store|no-cache)") {
        set beresp.uncacheable = true;
        set beresp.ttl = 60s;
        return (deliver);
    }
    # xkey reads the keys from the xkey header; the app writes Surrogate-Key (as Fastly reads).
    # The lifetime is the app's s-maxage (at most PAGE_CACHE_SECONDS, cut short before a
    # scheduled publication); a purge ends it sooner.
    set beresp.http.xkey = beresp.http.Surrogate-Key;
    return (deliver);
}

sub vcl_deliver {
    # The keys are for this cache: readers need not learn the ids behind a page.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
}
