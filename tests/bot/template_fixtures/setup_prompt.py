CASES = {"default": {}}
