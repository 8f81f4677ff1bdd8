"""Profiles per pool and state kept by triggers; the pool's existence checked through them.

The foreign key from ``profiles_profile.pool_id`` checked every inserted row at commit
(seconds per million imported profiles). It is replaced, in the same transaction, by
statement-level triggers that append one ``profiles_poolstatecount`` row per statement and
(pool, state) changed, and by that table's own foreign key to the pool: a profile is always
counted in a row of its pool, so its pool cannot be deleted (docs/inventory.md).
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
CREATE FUNCTION profiles_count_states() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO profiles_poolstatecount (pool_id, state, delta)
        SELECT pool_id, state, count(*) FROM new_rows GROUP BY pool_id, state;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO profiles_poolstatecount (pool_id, state, delta)
        SELECT pool_id, state, -count(*) FROM old_rows GROUP BY pool_id, state;
    ELSE
        INSERT INTO profiles_poolstatecount (pool_id, state, delta)
        SELECT pool_id, state, sum(delta) FROM (
            SELECT pool_id, state, 1 AS delta FROM new_rows
            UNION ALL
            SELECT pool_id, state, -1 FROM old_rows
        ) AS moved
        GROUP BY pool_id, state HAVING sum(delta) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER profiles_profile_count_insert AFTER INSERT ON profiles_profile
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION profiles_count_states();
CREATE TRIGGER profiles_profile_count_update AFTER UPDATE ON profiles_profile
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION profiles_count_states();
CREATE TRIGGER profiles_profile_count_delete AFTER DELETE ON profiles_profile
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION profiles_count_states();

CREATE FUNCTION profiles_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM profiles_poolstatecount;
    RETURN NULL;
END $$;
CREATE TRIGGER profiles_profile_count_truncate AFTER TRUNCATE ON profiles_profile
    FOR EACH STATEMENT EXECUTE FUNCTION profiles_count_truncate();

-- A pool that holds no profile leaves only rows summing to zero: they go with it. A pool
-- that still holds some is refused here with a clear message; should a concurrent
-- transaction add profiles meanwhile, the foreign key refuses one of the two at commit.
CREATE FUNCTION profiles_pool_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held bigint;
BEGIN
    SELECT coalesce(sum(delta), 0) INTO held
    FROM profiles_poolstatecount WHERE pool_id = OLD.id;
    IF held <> 0 THEN
        RAISE EXCEPTION 'pool "%" still holds % profile(s)', OLD.name, held
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    DELETE FROM profiles_poolstatecount WHERE pool_id = OLD.id;
    RETURN OLD;
END $$;
CREATE TRIGGER profiles_profilepool_delete BEFORE DELETE ON profiles_profilepool
    FOR EACH ROW EXECUTE FUNCTION profiles_pool_delete();

INSERT INTO profiles_poolstatecount (pool_id, state, delta)
SELECT pool_id, state, count(*) FROM profiles_profile GROUP BY pool_id, state;
"""

BACKWARD = """
DROP TRIGGER profiles_profilepool_delete ON profiles_profilepool;
DROP TRIGGER profiles_profile_count_truncate ON profiles_profile;
DROP TRIGGER profiles_profile_count_delete ON profiles_profile;
DROP TRIGGER profiles_profile_count_update ON profiles_profile;
DROP TRIGGER profiles_profile_count_insert ON profiles_profile;
DROP FUNCTION profiles_pool_delete();
DROP FUNCTION profiles_count_truncate();
DROP FUNCTION profiles_count_states();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0003_import_speed"),
    ]

    operations = [
        migrations.AlterField(
            model_name="profile",
            name="pool",
            field=models.ForeignKey(
                db_constraint=False,
                help_text="Its pool always exists: the database keeps that through "
                "PoolStateCount (whose foreign key is checked once per statement and pool, "
                "not once per row)",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="profiles",
                to="profiles.profilepool",
            ),
        ),
        migrations.CreateModel(
            name="PoolStateCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("available", "Available"),
                            ("reserved", "Reserved"),
                            ("released", "Released"),
                            ("downloaded", "Downloaded"),
                            ("installed", "Installed"),
                            ("enabled", "Enabled"),
                            ("disabled", "Disabled"),
                            ("deleted", "Deleted"),
                            ("suspended", "Suspended"),
                            ("cancelled", "Cancelled"),
                            ("retired", "Retired"),
                            ("error", "Error"),
                        ],
                        max_length=16,
                    ),
                ),
                ("delta", models.BigIntegerField()),
                (
                    "pool",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="profiles.profilepool",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["pool", "state"], name="pool_state_count_key")],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
