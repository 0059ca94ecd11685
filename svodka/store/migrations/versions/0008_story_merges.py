"""story_merges: stories folded into another when an article bridged them (`ClusterSettings.merge_bridges`)

Each merge takes the next story sequence number (shared with `articles.story_seq`), so other workers replay merges
and assignments in the order they were decided. The folded story row is deleted (its articles move to the kept
story); this table keeps `folded_id -> keep_id`, so an old /story/{folded_id} URL can be redirected.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_merges",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("keep_id", sa.Integer(), nullable=False),
        sa.Column("folded_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_story_merges"),
    )
    op.create_index("ix_story_merges_folded_id", "story_merges", ["folded_id"])


def downgrade() -> None:
    op.drop_index("ix_story_merges_folded_id", table_name="story_merges")
    op.drop_table("story_merges")
