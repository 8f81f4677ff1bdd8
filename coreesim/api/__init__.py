"""Building blocks of the partner API shared by every app's ``api/`` package.

Nothing here imports an app: the API-key lookup is named in settings
(``API_KEY_AUTHENTICATOR``) and returns an ``ApiClient``.
"""
