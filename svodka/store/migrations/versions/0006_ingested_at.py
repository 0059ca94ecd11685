"""articles.ingested_at: set when every pipeline stage has run, so readers never see a half-ingested article

NULL means the article is stored but not yet enriched, clustered and indexed (the process may have died in
between); the pipeline resumes such articles on start. Rows stored before this revision are complete.

Only the pipeline's save step writes NULL explicitly. A row inserted without naming the column (fixtures, bulk
loads of finished data) takes the constant default and counts as complete: SQLite cannot add a column whose
default is CURRENT_TIMESTAMP, and any non-NULL value means "visible".

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
    op.add_column("articles", sa.Column("ingested_at", sa.DateTime(), nullable=True,
                                        server_default=sa.text("'1970-01-01 00:00:00'")))
    op.execute("UPDATE articles SET ingested_at = updated_at")
    op.create_index("ix_articles_ingested_at", "articles", ["ingested_at"])


def downgrade() -> None:
    op.drop_index("ix_articles_ingested_at", table_name="articles")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("ingested_at")
