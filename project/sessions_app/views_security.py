"""Views for the security patterns: each does one ordinary thing with ``request.session``."""

import random
import string

from django.http import JsonResponse

# Letters and digits: as many bits per character as a token, so compression cannot hide the size.
_TOKEN_ALPHABET = string.ascii_letters + string.digits


def store_token(request, size):
    """Store ``size`` characters of random-looking (incompressible) text under ``token``.

    The text is seeded from ``size``, so every run stores the same characters.
    """
    request.session["token"] = "".join(random.Random(size).choices(_TOKEN_ALPHABET, k=size))
    return JsonResponse({"stored": size})
