"""What the user chose: the shared filters as they live in the URL (`filters`) and that selection in
words and codes for titles, captions, CSV provenance and file names (`labels`).

May import kpi.reading (its window), kpi.figures and kpi.words.
"""
