from __future__ import annotations

from django import forms

from profiles.models import ProfilePool

MAX_UPLOAD_BYTES = 512 * 1024 * 1024


class ImportForm(forms.Form):
    pool = forms.ModelChoiceField(
        queryset=ProfilePool.objects.filter(is_active=True).order_by("name")
    )
    file = forms.FileField(help_text="CSV with a header: iccid[,imsi,pin1,puk1,pin2,puk2]")
    skip_invalid = forms.BooleanField(
        required=False,
        label="Import the good lines and report the bad ones",
        help_text="Unticked, any bad line refuses the whole file.",
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "The file is larger than 512 MB; use manage.py import_profiles."
            )
        return upload
