from __future__ import annotations

from django import forms

from coreesim.staff.forms import ReasonForm


class CertificateForm(ReasonForm):
    """PEM text can be pasted or uploaded as files; a file wins over pasted text."""

    certificate = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    certificate_file = forms.FileField(required=False)
    private_key = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, strip=False
    )
    private_key_file = forms.FileField(required=False)
    ca_bundle = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Optional: the CA chain that signs the SM-DP+ server certificate.",
    )

    MAX_PEM_BYTES = 64 * 1024

    def _pem(self, text_field: str, file_field: str) -> str:
        upload = self.cleaned_data.get(file_field)
        if upload:
            if upload.size > self.MAX_PEM_BYTES:
                raise forms.ValidationError(f"{file_field}: the file is too large for a PEM")
            return upload.read().decode("ascii", errors="replace")
        return self.cleaned_data.get(text_field) or ""

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if self.errors:
            return data
        data["certificate_pem"] = self._pem("certificate", "certificate_file")
        data["private_key_pem"] = self._pem("private_key", "private_key_file")
        if not data["certificate_pem"].strip() or not data["private_key_pem"].strip():
            raise forms.ValidationError("Both the certificate and its private key are needed.")
        return data
