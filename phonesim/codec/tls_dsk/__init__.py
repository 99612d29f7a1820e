"""TLS-DSK (MS-SIPAE) as pidgin-sipe implements it, for both the phone and the registrar.

Sans-IO: the handshake is fed the bytes of `gssapi-data` and hands back the bytes
to send; keys, signature strings and signatures are functions of bytes and
parsed SIP messages. Nothing here opens a socket or reads a clock.
"""
