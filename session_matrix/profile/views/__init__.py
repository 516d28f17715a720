"""The profile shown: the page's section, the README block, the "which engine should I
pick?" lines."""

__all__: list[str] = []
