from django.apps import AppConfig


class StaffConfig(AppConfig):
    """The /staff/ shell: login with 2FA, roles, the audit log and the shared page parts."""

    name = "coreesim.staff"
    label = "staff"
    verbose_name = "Staff back office"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from coreesim.staff.roles import sync_roles_after_migrate
        from coreesim.staff.session_age import login_time_record

        # After every migrate (and every test-database flush) the role groups match roles.py.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="staff_sync_roles")
        user_logged_in.connect(login_time_record, dispatch_uid="staff_login_time")
