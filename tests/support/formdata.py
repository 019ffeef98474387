"""What a browser would post from a page's form: its fields as rendered, so a test can
post a form "unchanged" without rebuilding it by hand."""

from html.parser import HTMLParser


class _FormFields(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields = []  # (name, value), in page order
        self.select = None  # name, [options], chosen
        self.textarea = None  # name, [text]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select = (name, [], [], "multiple" in attrs)
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            self.select[1].append(value)
            if "selected" in attrs:
                self.select[2].append(value)
        elif tag == "textarea" and name:
            self.textarea = (name, [])

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            name, options, chosen, multiple = self.select
            if not chosen and options and not multiple:
                chosen = options[:1]  # a browser posts the first option
            self.fields += [(name, value) for value in chosen]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            # The parser keeps the newline that follows <textarea>; a browser drops it.
            value = "".join(text)
            self.fields.append((name, value[1:] if value.startswith("\n") else value))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)


def form_data(response, form_id):
    """The fields of the form ``form_id`` on ``response``'s page, as a dict for the test
    client (a name posted more than once maps to a list)."""
    parser = _FormFields(form_id)
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.fields:
        if name not in data:
            data[name] = value
        elif isinstance(data[name], list):
            data[name].append(value)
        else:
            data[name] = [data[name], value]
    assert data, f"no form #{form_id} on the page"
    return data
