from django.urls import path

from coreesim.staff.views import audit, auth, home, users

app_name = "staff"

urlpatterns = [
    path("", home.dashboard_view, name="dashboard"),
    path("login/", auth.login_view, name="login"),
    path("verify/", auth.verify_view, name="verify"),
    path("enroll/", auth.enroll_view, name="enroll"),
    path("logout/", auth.logout_view, name="logout"),
    path("account/", auth.account_view, name="account"),
    path("account/recovery-codes/", auth.recovery_codes_view, name="recovery_codes"),
    path("audit/", audit.audit_list_view, name="audit"),
    path("users/", users.user_list, name="users"),
    path("users/<int:pk>/reset-2fa/", users.user_reset_2fa, name="user_reset_2fa"),
    path("audit/export.csv", audit.audit_export_view, name="audit_export"),
]
