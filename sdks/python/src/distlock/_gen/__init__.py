"""Generated protobuf and Connect code, private to the SDK.

``v1`` is a symbolic link to the repository's ``gen/python/distlock/v1`` (produced by
``buf generate``, never edited by hand), so the wheel ships exactly the committed
gencode and the source tree can be type-checked and tested as it is.
"""
