"""The language: words, tables of French and English, what a question asks for (its kind,
counted noun, intent, follow-up reading) and the shapes of answers in a sentence.

May import: ``index.model`` and ``index.errors``. Nothing else of ``index``.
"""
