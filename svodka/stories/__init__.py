"""Stories: near-duplicates, same-event clustering, ranking and related reading."""
