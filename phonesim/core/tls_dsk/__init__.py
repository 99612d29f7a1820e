"""The phone's TLS-DSK sign-in after the registrar's 401, and staying registered.

A machine in the stage machines' manner (`start`, `handle`, `next_deadline`,
`handle_timer`), I/O-free: it is handed the registrar's SIP answers and the
time, and says what to send (`take()`). From the 401's TLS-DSK challenge it
runs the inner handshake in REGISTER/401 rounds (`tls-dsk.md` §1.1), signs a
REGISTER with the client key, and is registered once the `200 OK` carries the
registrar's valid signature: an answer signed wrongly, or not at all, is a
named failure and never taken as registered (pidgin-sipe drops the connection,
§1.7).

Then it keeps the phone registered on its own timers (§3.5): a signed
re-REGISTER `refresh_before` ahead of the Expires granted, a CRLF keep-alive
whenever nothing was sent for the `ms-keep-alive` timeout, and a new handshake
when the security association nears min(certificate expiry, 8 h) (MS-SIPAE
§3.2.2), which starts like pidgin-sipe's: an unsigned REGISTER, the 401, the
rounds. A 401 to a refresh (the registrar dropped the association) starts the
rounds at once. Every request has its deadline, the profile's SIP timeout.

The inner TLS engine is handed in (`handshakes`): the codec's pyOpenSSL client
fits, built by whoever holds the phone's certificate and key, so the private
key never enters the core.
"""
