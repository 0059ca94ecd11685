"""articles.ingested_at: set when every pipeline stage has run, so readers never see a half-ingested article

NULL means the article is stored but not yet enriched, clustered and indexed (the process may have died in
between); the pipeline resumes such articles on start. Rows stored before this revision are complete.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("ingested_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE articles SET ingested_at = updated_at")
    op.create_index("ix_articles_ingested_at", "articles", ["ingested_at"])


def downgrade() -> None:
    op.drop_index("ix_articles_ingested_at", table_name="articles")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("ingested_at")
