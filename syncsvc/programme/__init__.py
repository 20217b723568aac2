"""The programme: the exercise catalogue as data, and how sessions progress (S1-S7, P1-P7)."""
