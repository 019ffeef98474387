"""Object storage on its own domain, as tests need it: files on local disk whose URLs are a
bucket's (``CdnStorage``), different from ``MEDIA_URL``."""

from django.core.files.storage import FileSystemStorage

CDN = "https://cdn.example.test/m/"


class CdnStorage(FileSystemStorage):
    """Files on local disk, addressed like a bucket behind its own domain: what
    django-storages' S3Storage with ``custom_domain`` answers from ``url()``."""

    def url(self, name):
        return CDN + name
