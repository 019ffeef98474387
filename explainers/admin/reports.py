"""The moderators' side of reader reports: the queue, the resolving actions (each on an
intermediate page that asks for what it needs and a note) and the dashboard.

Who may act is checked here on every request, not only by hiding buttons; what an action
may change is ruled in ``explainers.services.moderation``.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncWeek
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.timesince import timesince

from .. import leaks, permissions
from ..models import Article, ContentWarning, ReaderReport, SpoilerLevel
from ..refusal import Refused
from ..services import articles as article_service
from ..services import moderation, notifications

# --- the queue -----------------------------------------------------------------------


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    BUCKETS = {
        "day": ("Under a day", 0, 1),
        "week": ("1 to 7 days", 1, 7),
        "month": ("1 to 4 weeks", 7, 28),
        "older": ("Older than 4 weeks", 28, None),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _, _) in self.BUCKETS.items()]

    def queryset(self, request, queryset):
        if self.value() not in self.BUCKETS:
            return queryset
        _, newest_days, oldest_days = self.BUCKETS[self.value()]
        now = timezone.now()
        queryset = queryset.filter(created_at__lte=now - timedelta(days=newest_days))
        if oldest_days is not None:
            queryset = queryset.filter(created_at__gt=now - timedelta(days=oldest_days))
        return queryset


class ResolveForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why, in a sentence: kept with the report and in the audit log.",
    )

    def __init__(self, *args, reports, **kwargs):
        super().__init__(*args, **kwargs)
        self.reports = reports
        self.article = reports[0].article


class SectionResolveForm(ResolveForm):
    section = forms.ModelChoiceField(
        queryset=None,
        help_text="Preset to the section the reader reported; pick another if the reader "
        "reported the article as a whole or the wrong place.",
    )
    field_order = ["section"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["section"]
        field.queryset = self.article.sections.select_related("spoiler_level")
        field.label_from_instance = lambda section: (
            f"{section.order}. {section.display_heading} ({section.spoiler_level.name})"
        )
        reported = {report.section_id for report in self.reports} - {None}
        if len(reported) == 1:
            field.initial = reported.pop()


def _still_leaking(section):
    """After a fix to one section, what the leak check still finds in its article."""
    article = section.article
    return [
        f"“{article.title}” still has a leak: {message}."
        for message in leaks.check_saved_article(article).messages
    ]


class RaiseLevelForm(SectionResolveForm):
    level = forms.ModelChoiceField(
        queryset=SpoilerLevel.objects.filter(rank__gt=0), label="New level"
    )
    safe_heading = forms.CharField(
        max_length=200,
        required=False,
        help_text="Needed if the section has none yet (it was Spoiler-free): shown while it "
        "is folded, so it must give nothing away.",
    )
    field_order = ["section", "level", "safe_heading", "note"]

    def resolve(self, actor):
        data = self.cleaned_data
        section = moderation.raise_level(
            self.reports,
            section=data["section"],
            level=data["level"],
            safe_heading=data["safe_heading"],
            note=data["note"],
            actor=actor,
        )
        notes = [f"Raised “{section.display_heading}” to {section.spoiler_level.name}."]
        return notes + _still_leaking(section)


class SafeHeadingForm(SectionResolveForm):
    safe_heading = forms.CharField(
        max_length=200,
        label="New safe heading",
        help_text="Shown to every reader while the section is folded: name nothing from "
        "the story (“What the last scene means”).",
    )
    field_order = ["section", "safe_heading", "note"]

    def resolve(self, actor):
        data = self.cleaned_data
        section = moderation.rewrite_safe_heading(
            self.reports,
            section=data["section"],
            safe_heading=data["safe_heading"],
            note=data["note"],
            actor=actor,
        )
        notes = [f"The section's safe heading is now “{section.safe_heading}”."]
        return notes + _still_leaking(section)


class WarningForm(SectionResolveForm):
    warning = forms.ModelChoiceField(
        queryset=ContentWarning.objects.all(),
        label="Content warning",
        help_text="Missing from the list? Add it under Content warnings first.",
    )
    field_order = ["section", "warning", "note"]

    def resolve(self, actor):
        data = self.cleaned_data
        section = moderation.add_warning(
            self.reports,
            section=data["section"],
            warning=data["warning"],
            note=data["note"],
            actor=actor,
        )
        return [f"“{data['warning'].name}” now warns readers of “{section.display_heading}”."]


class SpoilerTermForm(ResolveForm):
    phrase = forms.CharField(
        max_length=200,
        help_text="Words that give the story away, e.g. “cuts off her hand”. The leak check "
        "then looks for them everywhere shown below the level.",
    )
    variants = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Other forms that should count too, separated by commas or lines.",
    )
    level = forms.ModelChoiceField(
        queryset=SpoilerLevel.objects.filter(rank__gt=0),
        help_text="The first level at which the phrase may appear.",
    )
    field_order = ["phrase", "variants", "level", "note"]

    def resolve(self, actor):
        data = self.cleaned_data
        term, found = moderation.add_spoiler_term(
            self.reports,
            phrase=data["phrase"],
            variants=data["variants"],
            level=data["level"],
            note=data["note"],
            actor=actor,
        )
        notes = [f"“{term.phrase}” is now a {term.spoiler_level.name} term of {term.work}."]
        for article, leak_messages in found.items():
            notes += [f"“{article.title}” now has a leak: {message}." for message in leak_messages]
        return notes


class DismissForm(ResolveForm):
    def resolve(self, actor):
        moderation.dismiss(self.reports, note=self.cleaned_data["note"], actor=actor)
        return [f"Dismissed {len(self.reports)} report(s)."]


# kind -> (title, form, extra permission the change itself needs)
RESOLUTIONS = {
    "level": ("Raise the section's spoiler level", RaiseLevelForm),
    "heading": ("Rewrite the safe heading", SafeHeadingForm),
    "warning": ("Add a content warning", WarningForm),
    "term": ("Add a spoiler term", SpoilerTermForm),
    "dismiss": ("Dismiss", DismissForm),
}


def _resolution_action(kind):
    title = RESOLUTIONS[kind][0]

    def action(modeladmin, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        url = reverse("admin:explainers_readerreport_resolve", kwargs={"kind": kind})
        return HttpResponseRedirect(f"{url}?ids={ids}")

    action.__name__ = f"resolve_{kind}"
    return admin.action(description=f"{title}…", permissions=["resolve"])(action)


class ReaderReportAdmin(admin.ModelAdmin):
    list_display = [
        "report_number",
        "filed",
        "article_title",
        "where",
        "reason",
        "details_excerpt",
        "status",
        "resolved_by",
    ]
    list_display_links = ["report_number"]
    list_filter = [
        "status",
        ("article__work", admin.RelatedOnlyFieldListFilter),
        ("article", admin.RelatedOnlyFieldListFilter),
        AgeFilter,
        "reason",
    ]
    list_select_related = ["article", "section__spoiler_level", "resolved_by"]
    search_fields = ["details", "article__title"]
    ordering = ["created_at", "id"]  # a queue: oldest first
    actions = [_resolution_action(kind) for kind in RESOLUTIONS]
    fields = [
        "article_title",
        "where",
        "reason",
        "details",
        "filed",
        "status",
        "resolution",
        "resolution_note",
        "resolved_by",
        "resolved_at",
        "resolve_links",
    ]
    readonly_fields = fields

    # Reports come from readers and are closed by resolving: never typed in or edited here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_resolve_permission(self, request):
        return permissions.may_resolve_reports(request.user)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "resolve/<slug:kind>/",
                wrap(self.resolve_view),
                name="explainers_readerreport_resolve",
            ),
            path(
                "dashboard/",
                wrap(self.dashboard_view),
                name="explainers_readerreport_dashboard",
            ),
            path(
                "live-leaks/",
                wrap(self.live_leaks_view),
                name="explainers_readerreport_live_leaks",
            ),
            path(
                "live-leaks/<int:pk>/retract/",
                wrap(self.retract_view),
                name="explainers_readerreport_retract",
            ),
            *super().get_urls(),
        ]

    # -- columns ----------------------------------------------------------------------

    @admin.display(description="report", ordering="id")
    def report_number(self, obj):
        return f"#{obj.pk}"

    @admin.display(description="filed", ordering="created_at")
    def filed(self, obj):
        return f"{timesince(obj.created_at)} ago"

    @admin.display(description="article", ordering="article__title")
    def article_title(self, obj):
        return obj.article.title

    @admin.display(description="where")
    def where(self, obj):
        section = obj.section
        if section is None:
            return "The whole article"
        return format_html(
            '<a href="{}#{}">{}</a> ({})',
            obj.article.get_absolute_url(),
            section.anchor,
            section.display_heading,
            section.spoiler_level.name,
        )

    @admin.display(description="reader's note")
    def details_excerpt(self, obj):
        # Plain text: the admin escapes it like any value; never marked safe.
        return Truncator(obj.details).chars(90) or "—"

    @admin.display(description="resolve")
    def resolve_links(self, obj):
        if not obj.is_open:
            return "Closed."
        links = [
            (
                reverse("admin:explainers_readerreport_resolve", kwargs={"kind": kind})
                + f"?ids={obj.pk}",
                title,
            )
            for kind, (title, _) in RESOLUTIONS.items()
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_resolve_permission(request):
            fields.remove("resolve_links")
        return fields

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    # -- resolving --------------------------------------------------------------------

    def resolve_view(self, request, kind):
        if not self.has_resolve_permission(request):
            raise PermissionDenied
        if kind not in RESOLUTIONS:
            messages.error(request, "There is no such way to resolve a report.")
            return self._back_to_queue()
        title, form_class = RESOLUTIONS[kind]
        if not permissions.may_resolve_reports(request.user, kind):
            raise PermissionDenied
        ids = self._ids(request)
        reports = list(
            ReaderReport.objects.filter(pk__in=ids)
            .select_related("article__work", "section__spoiler_level")
            .order_by("created_at", "id")
        )
        problem = self._cannot_resolve(reports, ids, kind)
        if problem:
            messages.error(request, problem)
            return self._back_to_queue()
        form = form_class(request.POST if request.method == "POST" else None, reports=reports)
        if request.method == "POST" and form.is_valid():
            try:
                notes = form.resolve(request.user)
            except moderation.ModerationError as error:
                form.add_error(None, str(error))
            else:
                for note in notes:
                    leaking = "has a leak" in note
                    level = messages.WARNING if leaking else messages.SUCCESS
                    self.message_user(request, note, level=level)
                return self._back_to_queue()
        sections = {report.section for report in reports if report.section}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "kind": kind,
            "form": form,
            "reports": reports,
            "article": reports[0].article,
            "sections": sorted(sections, key=lambda s: (s.order, s.pk)),
            "ids": ",".join(str(report.pk) for report in reports),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/explainers/readerreport/resolve.html", context)

    @staticmethod
    def _ids(request):
        raw = request.POST.get("ids") or request.GET.get("ids") or ""
        return sorted({int(part) for part in raw.split(",") if part.strip().isdigit()})

    @staticmethod
    def _cannot_resolve(reports, ids, kind):
        if not ids:
            return "Pick one or more reports in the queue first."
        if len(reports) != len(ids):
            return "Some of those reports no longer exist. Reload the queue."
        closed = [f"#{report.pk}" for report in reports if not report.is_open]
        if closed:
            return (
                f"Report {', '.join(closed)} is already closed. Pick open reports only "
                "(filter the queue by status)."
            )
        if kind != "dismiss" and len({report.article_id for report in reports}) > 1:
            return (
                "Those reports are about different articles; resolve one article's reports "
                "at a time (filter the queue by article). Dismissing works across articles."
            )
        return ""

    def _back_to_queue(self):
        url = reverse("admin:explainers_readerreport_changelist")
        return HttpResponseRedirect(f"{url}?status__exact=open")

    # -- dashboard --------------------------------------------------------------------

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        reports = ReaderReport.objects.all()
        open_reports = reports.open()
        oldest = open_reports.aggregate(oldest=Min("created_at"))["oldest"]
        per_article = (
            reports.values("article", "article__title", "article__work__title")
            .annotate(
                open=Count("id", filter=Q(status=ReaderReport.Status.OPEN)), total=Count("id")
            )
            .order_by("-open", "-total", "article__title")[:15]
        )
        changelist = reverse("admin:explainers_readerreport_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Moderation dashboard",
            "open_count": open_reports.count(),
            "oldest_open": oldest,
            "oldest_age": timesince(oldest, now) if oldest else "",
            "closed_last_30_days": reports.filter(
                resolved_at__gte=now - timedelta(days=30)
            ).count(),
            "per_article": [
                {**row, "url": f"{changelist}?article__id__exact={row['article']}"}
                for row in per_article
            ],
            "weeks": weekly_counts(reports, now=now, weeks=12),
            "changelist": changelist,
            **self._live_leaks_context(request, back="dashboard"),
        }
        context["chart"] = bar_chart(context["weeks"])
        return TemplateResponse(request, "admin/explainers/readerreport/dashboard.html", context)

    # -- live articles with leaks -----------------------------------------------------

    def _live_leaks_context(self, request, *, back):
        """The live articles in which the leak check now finds leaks (after a new term, a
        word family, a changed work...), each leak with its place and a link to it on the
        change form. Costs what ``moderation.live_leaks`` says: a fixed handful of queries
        for each of at most ``LIVE_LEAK_LIMIT`` live articles."""
        rows = []
        for live in moderation.live_leaks(limit=moderation.LIVE_LEAK_LIMIT):
            article = live.article
            rows.append(
                {
                    "article": article,
                    "state": "Scheduled" if live.scheduled else "Published",
                    "authors": ", ".join(
                        a.get_full_name() or a.get_username() for a in article.authors.all()
                    ),
                    "edit_url": notifications.change_url(article),
                    "retract_url": reverse(
                        "admin:explainers_readerreport_retract", kwargs={"pk": article.pk}
                    ),
                    "leaks": [
                        {
                            "where": leak.where,
                            "message": leak.message,
                            "url": notifications.change_url(article, leak),
                        }
                        for leak in live.leaks
                    ],
                }
            )
        return {
            "live_leaks": rows,
            "live_leak_limit": moderation.LIVE_LEAK_LIMIT,
            "may_fix": permissions.is_publisher(request.user),
            "back": back,
        }

    def _may_see_live_leaks(self, request):
        return self.has_view_permission(request) or permissions.may_see_live_leaks(request.user)

    def live_leaks_view(self, request):
        """The dashboard's list of live articles with leaks on a page of its own, for the
        senior editors who fix or retract them as well as the moderators."""
        if not self._may_see_live_leaks(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Live articles with leaks",
            "changelist": reverse("admin:explainers_readerreport_changelist"),
            **self._live_leaks_context(request, back="list"),
        }
        return TemplateResponse(request, "admin/explainers/readerreport/live_leaks.html", context)

    def retract_view(self, request, pk):
        """Retract a live article from the list (a POST with the CSRF token): a
        publisher's move, checked again by the workflow."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:explainers_readerreport_live_leaks"))
        if not permissions.is_publisher(request.user):
            raise PermissionDenied
        article = Article.objects.filter(pk=pk).first()
        if article is None:
            messages.error(request, "That article no longer exists.")
        else:
            try:
                article_service.transition(
                    article,
                    Article.Status.RETRACTED,
                    user=request.user,
                    comment="Retracted from the list of live articles with leaks.",
                )
            except Refused as error:
                messages.error(request, f"“{article.title}” was not retracted: {error}")
            else:
                self.message_user(
                    request,
                    f"Retracted “{article.title}”: readers now get a short notice instead.",
                    messages.SUCCESS,
                )
        name = "dashboard" if request.POST.get("back") == "dashboard" else "live_leaks"
        return HttpResponseRedirect(reverse(f"admin:explainers_readerreport_{name}"))


def weekly_counts(reports, *, now, weeks):
    """Reports filed per week (weeks start on Monday, in the site's time zone), oldest
    first, the current week last; weeks without reports count 0."""
    today = timezone.localdate(now)
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    start = timezone.make_aware(timezone.datetime.combine(mondays[0], timezone.datetime.min.time()))
    rows = (
        reports.filter(created_at__gte=start)
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(count=Count("id"))
    )
    counts = {}
    for row in rows:
        week = row["week"]
        day = timezone.localdate(week) if hasattr(week, "hour") else week
        counts[day] = counts.get(day, 0) + row["count"]
    return [{"monday": monday, "count": counts.get(monday, 0)} for monday in mondays]


def chart_summary(weeks):
    total = sum(week["count"] for week in weeks)
    if not total:
        return f"No reports in the last {len(weeks)} weeks."
    busiest = max(weeks, key=lambda week: week["count"])
    return (
        f"{total} report{'s' if total != 1 else ''} in the last {len(weeks)} weeks; the most, "
        f"{busiest['count']}, in the week of {busiest['monday']:%-d %B}."
    )


def bar_chart(weeks, *, width=640, height=200):
    """An inline SVG bar chart drawn on the server (no script, no library). Its label
    sums it up for screen readers; the page gives every figure as a table too."""
    top = max([week["count"] for week in weeks] + [1])
    slot = width / len(weeks)
    bar_width = round(slot * 0.62, 1)
    base = height - 28  # room for the week labels
    usable = base - 20  # room for the count above the tallest bar
    bars = []
    for index, week in enumerate(weeks):
        bar_height = round(usable * week["count"] / top, 1)
        centre = round(index * slot + slot / 2, 1)
        bars.append(
            {
                "x": round(centre - bar_width / 2, 1),
                "y": round(base - bar_height, 1),
                "height": bar_height,
                "centre": centre,
                "count_y": round(base - bar_height - 5, 1),
                "count": week["count"],
                "label": f"{week['monday']:%-d %b}",
            }
        )
    drawn = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" class="report-chart__bar"/>'
        '<text x="{}" y="{}" text-anchor="middle" class="report-chart__count">{}</text>'
        '<text x="{}" y="{}" text-anchor="middle" class="report-chart__week">{}</text>',
        (
            (
                bar["x"],
                bar["y"],
                bar_width,
                bar["height"],
                bar["centre"],
                bar["count_y"],
                bar["count"],
                bar["centre"],
                base + 18,
                bar["label"],
            )
            for bar in bars
        ),
    )
    return format_html(
        '<svg class="report-chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" aria-label="{summary}"><title>{summary}</title>'
        '<line x1="0" y1="{base}" x2="{w}" y2="{base}" class="report-chart__axis"/>{bars}</svg>',
        w=width,
        h=height,
        base=base,
        summary=chart_summary(weeks),
        bars=drawn,
    )
