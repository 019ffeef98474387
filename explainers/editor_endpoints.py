"""django-markdownx's preview and upload endpoints, restricted to staff editors.

The package's own views answer anyone; these wrap them so only logged-in staff who may
write articles reach the preview and only those who may add images upload one (the same
rule as the admin's add page; anonymous and other users get 403), uploads go through the
same image validation as the admin, and a malformed request gets a 400, not a 500.

An image pasted or dropped into the editor becomes an ``Image`` like any other (cleaned,
with renditions), but with no alt text and no credit yet, and at the highest spoiler
level until an editor says otherwise: it cannot be a hero image by accident, and the
article showing it cannot be published until someone has described and credited it.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import path, reverse
from markdownx.views import ImageUploadView, MarkdownifyView

from explainers.permissions import may_add_images, may_write_articles
from explainers.rendering import MAX_MARKDOWN_CHARS
from explainers.services import Refused
from explainers.services.images import upload_image


class EditorOnlyMixin:
    allowed = staticmethod(may_write_articles)
    refusal = "Only editors may use the Markdown editor's endpoints."

    def dispatch(self, request, *args, **kwargs):
        if not self.allowed(request.user):
            raise PermissionDenied(self.refusal)
        return super().dispatch(request, *args, **kwargs)


class PreviewView(EditorOnlyMixin, MarkdownifyView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        content = request.POST.get("content")
        if content is None:
            return HttpResponseBadRequest("Missing 'content'.")
        if len(content) > MAX_MARKDOWN_CHARS:
            return HttpResponseBadRequest("This section is too long to preview.")
        return super().post(request, *args, **kwargs)


class EditorImageForm(forms.Form):
    image = forms.FileField()


class UploadView(EditorOnlyMixin, ImageUploadView):
    http_method_names = ["post"]
    form_class = EditorImageForm
    # It makes an Image: the rule of the admin's "Add image" page.
    allowed = staticmethod(may_add_images)
    refusal = "Only those who may add images may upload one."

    def form_invalid(self, form):
        # Always JSON: the editor shows the message; a plain form post gets it too.
        return JsonResponse(form.errors, status=400)

    def form_valid(self, form):
        try:
            image, created = upload_image(form.cleaned_data["image"], user=self.request.user)
        except Refused as refusal:
            return JsonResponse({"image": refusal.messages}, status=400)
        # The alt text and credit live on the image (shown wherever it is used), not in
        # the Markdown; "Images" in the admin lists it as still needing them.
        return JsonResponse(
            {
                "image_code": f"![]({image.file.url})",
                "image_id": image.pk,
                "change_url": reverse("admin:explainers_image_change", args=[image.pk]),
                "needs": image.missing_details(),
                # The same picture was already in the library: this is that image.
                "existing": not created,
                "label": str(image),
            }
        )


urlpatterns = [
    path("markdownify/", PreviewView.as_view(), name="markdownx_markdownify"),
    path("upload/", UploadView.as_view(), name="markdownx_upload"),
]
