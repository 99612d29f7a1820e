"""Server configuration, as admins paste it, read back into DHCP option values.

One module per server format (Windows netsh, DHCPUtil, dnsmasq, Cisco IOS,
ISC dhcpd, Kea). Each reader takes the lines no earlier reader understood and
says which it understood, so a line is read once and a line nobody reads is
reported, never dropped. Sub-options set one line each (netsh vendor options,
dnsmasq `vendor:`, dhcpd option spaces, Kea spaces) are assembled into the
option 43 the server would send.
"""
