"""Every write made in the Django admin is in the audit log too.

The staff pages call ``audit_record`` themselves. The admin records its additions, changes and
deletions in ``django_admin_log``, in the transaction of the write, one row at a time or (for
a deletion of several objects) in one bulk insert; a trigger on that table copies each row
into ``staff_auditlog``, so the admin's writes, including role changes on users, are read on
``/staff/audit/`` with everything else. The admin keeps no request with its rows: these audit
entries carry the user and what changed (field names), not the client address.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION staff_audit_admin_log() RETURNS trigger AS $$
BEGIN
    INSERT INTO staff_auditlog (at, actor_id, actor_username, user_agent, action, object_type,
                                object_id, object_repr, after, reason)
    SELECT n.action_time, n.user_id, u.username, '',
           CASE n.action_flag WHEN 1 THEN 'admin.add' WHEN 2 THEN 'admin.change'
                              WHEN 3 THEN 'admin.delete' ELSE 'admin.other' END,
           coalesce(ct.app_label || '.' || ct.model, ''),
           left(coalesce(n.object_id, ''), 64),
           left(n.object_repr, 255),
           CASE WHEN n.change_message <> '' THEN jsonb_build_object('change', n.change_message) END,
           ''
    FROM new_rows AS n
    JOIN auth_user AS u ON u.id = n.user_id
    LEFT JOIN django_content_type AS ct ON ct.id = n.content_type_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER django_admin_log_audited
    AFTER INSERT ON django_admin_log REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION staff_audit_admin_log();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS django_admin_log_audited ON django_admin_log;
DROP FUNCTION IF EXISTS staff_audit_admin_log();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0003_manage_staff_capability"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
