"""stories.related: "Читайте также" chosen when a story is refreshed, so the article page reads it by primary key

A JSON list of {story_id, shared_tags, score}; NULL means "not computed yet" (the page then computes it live, and
`svodka relate` fills the stories stored before this revision).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: no table copy on SQLite, however many stories there are.
    op.add_column("stories", sa.Column("related", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("related")
