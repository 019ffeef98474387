from django import forms
from django.conf import settings

from .models import ReaderReport


class ReaderReportForm(forms.Form):
    """ "Report an unmarked spoiler", as any reader may send it (no account needed).

    ``website`` is a honeypot: hidden from people (and from assistive technology), so
    only a bot fills it in.
    """

    section = forms.ModelChoiceField(
        queryset=None,
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That section is not part of this article."},
    )
    # No reason is chosen for the reader: a preset one made a single click file a report
    # that said nothing (issue 13).
    reason = forms.ChoiceField(
        label="What is wrong?",
        choices=ReaderReport.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Pick what is wrong from the list above, then send the report again."
        },
    )
    details = forms.CharField(
        label="Anything to add? (optional)",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Please do not repeat the spoiler here in full: a few words saying where "
        "it is are enough. Never shown on the site.",
    )
    website = forms.CharField(label="Leave this empty", required=False)

    def __init__(self, *args, article, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.fields["section"].queryset = article.sections.select_related("spoiler_level")
        limit = settings.READER_REPORT_MAX_CHARS
        details = self.fields["details"]
        details.widget.attrs["maxlength"] = str(limit)
        details.help_text += f" At most {limit:,} characters."

    def clean_details(self):
        details = self.cleaned_data["details"]
        limit = settings.READER_REPORT_MAX_CHARS
        if len(details) > limit:
            raise forms.ValidationError(
                f"Your note is {len(details):,} characters long; at most {limit:,} fit. "
                "Shorten it and send the report again."
            )
        return details

    @property
    def forged_section(self):
        return "section" in self.errors

    @property
    def is_bot(self):
        return bool(self.cleaned_data.get("website"))

    def save(self, *, fingerprint):
        return ReaderReport.objects.create(
            article=self.article,
            section=self.cleaned_data.get("section"),
            reason=self.cleaned_data["reason"],
            details=self.cleaned_data["details"],
            client_fingerprint=fingerprint,
        )
