"""Reading the registrar's provisioning document: the three shapes of MS-SIPREGE §2.2.2.5,
and the documents a phone refuses rather than expands."""

from __future__ import annotations

import pytest

from phonesim.codec.provisioning_xml import (
    MAX_DOCUMENT,
    MalformedProvisioning,
    format_request,
    read_answer,
    requested_groups,
)

ANSWER = b"""<?xml version="1.0" encoding="utf-8"?>
<provisionGroupList xmlns="http://schemas.microsoft.com/2006/09/sip/provisiongrouplist-notification">
  <provisionGroup name="ServerConfiguration">
    <poolUri>pool01.contoso.com</poolUri>
    <backupPoolUri>pool02.contoso.com</backupPoolUri>
    <mrasUri>sip:mras@contoso.com</mrasUri>
    <ucLocationProfile>Redmond.DialPlan</ucLocationProfile>
    <ucMinPinLength>6</ucMinPinLength>
  </provisionGroup>
  <provisionGroup name="ucPolicy">
    <instance><property name="EnableCallTransfer">true</property></instance>
  </provisionGroup>
  <provisionGroup name="endpointConfiguration">
    <propertyEntryList><property name="ucDiffServVoice">46</property></propertyEntryList>
  </provisionGroup>
</provisionGroupList>"""


def test_the_phone_keeps_pool_backup_relay_location_and_policies() -> None:
    settings = read_answer(ANSWER)
    assert settings.groups == ("ServerConfiguration", "ucPolicy", "endpointConfiguration")
    assert settings.pool == "pool01.contoso.com"
    assert settings.backup_pool == "pool02.contoso.com"
    assert settings.mras_uri == "sip:mras@contoso.com"
    assert settings.location_profile == "Redmond.DialPlan"
    assert settings.server_configuration["ucMinPinLength"] == "6"
    assert dict(settings.uc_policy) == {"EnableCallTransfer": "true"}


def test_the_request_names_the_groups_asked_for() -> None:
    body = format_request(["ServerConfiguration", "ucPolicy"])
    assert body.startswith(
        b'<provisioningGroupList xmlns="http://schemas.microsoft.com/2006/09/sip/'
        b'provisioninggrouplist">'
    )
    assert requested_groups(body) == ("ServerConfiguration", "ucPolicy")


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<provisionGroupList><provisionGroup name="x"><a>&lol2;</a></provisionGroup></provisionGroupList>"""


@pytest.mark.parametrize(
    ("document", "said"),
    [
        (LAUGHS, "DOCTYPE"),
        (
            '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE x><provisionGroupList/>'.encode(
                "utf-16"
            ),
            "DOCTYPE",
        ),
        (b"<provisionGroupList><provisionGroup", "not well-formed"),
        (b"<roamingData/>", "not <provisionGroupList>"),
        (b"<provisionGroupList><provisionGroup/></provisionGroupList>", "without a name"),
        (b"<provisionGroupList>" + b" " * MAX_DOCUMENT + b"</provisionGroupList>", "more than"),
    ],
    ids=["entities", "doctype-in-utf16", "cut-short", "another-document", "nameless", "too-big"],
)
def test_a_document_the_phone_refuses_is_named_never_expanded(document: bytes, said: str) -> None:
    with pytest.raises(MalformedProvisioning, match=said):
        read_answer(document)
