"""The proof key of a web ticket issued to a desktop client (WS-Trust 1.3 computed key).

A desktop client (pidgin-sipe, Lync) sends 256 bits of its own entropy in the
request (`wst:Entropy/wst:BinarySecret`, KeyType SymmetricKey). The service answers
with its own entropy and says the key is computed (`CK/PSHA1`): both ends then hold
key = P_SHA1(client entropy, server entropy), as long as the client's entropy, with
which a client signs the timestamp when the CertProv policy asks for an endorsing
token. A phone signing in with a PIN sends no entropy and gets no proof key.
"""

from __future__ import annotations

import base64
import binascii

from lxml import etree
from lxml.builder import ElementMaker

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.wire import qname
from phonesim.codec.tls_dsk.prf import p_hash
from phonesim.errors import MalformedServiceDocument

COMPUTED_KEY_PSHA1 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/CK/PSHA1"
NONCE_TYPE = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Nonce"
_DOCUMENT = "web ticket request"
_wst = ElementMaker(namespace=ns.WST, nsmap={"wst": ns.WST})


def read_client_entropy(payload: etree._Element | None) -> bytes | None:
    """The entropy of a `wst:RequestSecurityToken`; None when it sends none (a phone)."""
    if payload is None:
        return None
    text = payload.findtext(f"{qname(ns.WST, 'Entropy')}/{qname(ns.WST, 'BinarySecret')}")
    if text is None:
        return None
    try:
        entropy = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedServiceDocument(_DOCUMENT, "Entropy/BinarySecret is not base64") from None
    if not entropy:
        raise MalformedServiceDocument(_DOCUMENT, "Entropy/BinarySecret is empty")
    return entropy


def computed_key(client_entropy: bytes, server_entropy: bytes) -> bytes:
    """WS-Trust's CK/PSHA1: P_SHA1(client entropy, server entropy), as long as the client's."""
    return p_hash("sha1", client_entropy, server_entropy, len(client_entropy))


def add_proof(collection: etree._Element, server_entropy: bytes) -> etree._Element:
    """The response collection with the server's entropy and the computed-key method added
    to its `RequestSecurityTokenResponse`."""
    response = collection.find(qname(ns.WST, "RequestSecurityTokenResponse"))
    if response is None:
        raise ValueError("no RequestSecurityTokenResponse to add a proof key to")
    response.append(_wst.RequestedProofToken(_wst.ComputedKey(COMPUTED_KEY_PSHA1)))
    response.append(
        _wst.Entropy(
            _wst.BinarySecret(base64.b64encode(server_entropy).decode("ascii"), Type=NONCE_TYPE)
        )
    )
    return collection


def read_server_entropy(collection: etree._Element) -> bytes | None:
    text = collection.findtext(f".//{qname(ns.WST, 'Entropy')}/{qname(ns.WST, 'BinarySecret')}")
    return None if text is None else base64.b64decode("".join(text.split()))
