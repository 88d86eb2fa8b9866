CASES = {"plain": {"metadata": '{"channel": "C1"}'}}
