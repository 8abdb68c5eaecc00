"""Uploaded documents of an article (the full report an author produced): PDFs only."""

from django.conf import settings
from django.core.exceptions import ValidationError
from pypdf import PdfReader
from pypdf.errors import PdfReadError


def pdf_page_count(upload):
    """Pages of a PDF upload; ValidationError when it is not a readable PDF."""
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        if upload.read(5) != b"%PDF-":
            raise ValidationError("This is not a PDF file.", code="not_pdf")
        upload.seek(0)
        return len(PdfReader(upload, strict=False).pages)
    except (PdfReadError, ValueError, OSError, KeyError, TypeError) as error:
        raise ValidationError(
            "This PDF cannot be read; export it again and upload the new file.", code="bad_pdf"
        ) from error
    finally:
        upload.seek(position)


def validate_document_file(upload):
    """Refuse anything but a readable PDF within `DOCUMENT_MAX_UPLOAD_BYTES`."""
    if upload.size > settings.DOCUMENT_MAX_UPLOAD_BYTES:
        limit_mb = settings.DOCUMENT_MAX_UPLOAD_BYTES / (1024 * 1024)
        raise ValidationError(
            f"The file is too large ({upload.size / (1024 * 1024):.1f} MB); "
            f"the limit is {limit_mb:.0f} MB.",
            code="file_too_large",
        )
    pdf_page_count(upload)
