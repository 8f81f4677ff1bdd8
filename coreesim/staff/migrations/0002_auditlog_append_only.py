"""The audit log is append-only at the database: UPDATE and DELETE raise."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION staff_auditlog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER staff_auditlog_append_only
    BEFORE UPDATE OR DELETE ON staff_auditlog
    FOR EACH ROW EXECUTE FUNCTION staff_auditlog_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS staff_auditlog_append_only ON staff_auditlog;
DROP FUNCTION IF EXISTS staff_auditlog_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("staff", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
