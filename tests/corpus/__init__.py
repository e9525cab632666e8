"""The real-world corpus (issue 10): keras.applications models exported every
way users export them (`build.py`) and models shipped inside PyPI wheels
(`wheels.py`), each with TensorFlow's (or LiteRT's) own account of it, built or
downloaded once and kept in a cache between runs (`cache.py`).
tests/test_corpus.py checks tflite-tools against them; run it alone with
`.venv/bin/python -m pytest -q tests/test_corpus.py`.
"""
