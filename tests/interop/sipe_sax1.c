/*
 * pidgin-sipe 1.25 reads every XML document through libxml2's SAX interface with a
 * handler that says XML_SAX2_MAGIC but fills in only the SAX1 element callbacks.
 * Debian 12's libxml2 (2.9.14+dfsg-1.3~deb12u2 and later, the backported fix of
 * CVE-2023-39615) then dispatches SAX2 callbacks only, so SIPE sees no element at
 * all: every mex document, SOAP answer and SIP XML body reads as empty.
 *
 * Preloaded into bitlbee, this hands such a handler to libxml2 as the SAX1 handler it
 * is (the same callbacks, marked SAX1). Nothing else of SIPE or libxml2 changes.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <libxml/parser.h>

typedef int (*parse_memory)(xmlSAXHandlerPtr, void *, const char *, int);

int xmlSAXUserParseMemory(xmlSAXHandlerPtr sax, void *user_data, const char *buffer, int size)
{
	static parse_memory real;
	xmlSAXHandler sax1;

	if (!real)
		real = (parse_memory) dlsym(RTLD_NEXT, "xmlSAXUserParseMemory");
	if (sax && sax->initialized == XML_SAX2_MAGIC && !sax->startElementNs &&
	    !sax->endElementNs && (sax->startElement || sax->endElement)) {
		memcpy(&sax1, sax, sizeof(sax1));
		sax1.initialized = 1;
		return real(&sax1, user_data, buffer, size);
	}
	return real(sax, user_data, buffer, size);
}
