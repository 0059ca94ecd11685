"""articles.story_seq: the order of story assignments, so every worker can replay the others' decisions

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("story_seq", sa.BigInteger(), nullable=True))
        batch.create_index("ix_articles_story_seq", ["story_seq"])


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_story_seq")
        batch.drop_column("story_seq")
