"""Identity: who a token says you are, and what your role lets you do."""
