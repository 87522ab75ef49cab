"""Independent interop check for @chargebus/ocpp (run by test/integration/xsd-interop.test.ts).

Reads a JSON manifest (argv[1]):
  {"messages": [{"file": ".../x.xml", "wsdl": ".../official.wsdl"}],
   "wsdlPairs": [{"ours": ".../ours.wsdl", "official": ".../official.wsdl"}]}
and prints one JSON object:
  {"checked": N, "invalid": [{"file", "errors"}], "wsdlMismatches": [...]}

Messages: the SOAP Body's element is validated with lxml against the XML Schema embedded in the WSDL.
WSDL pairs: both are loaded with zeep and their bindings compared operation by operation.
"""
import copy
import json
import sys

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
ENVELOPES = ("http://www.w3.org/2003/05/soap-envelope", "http://schemas.xmlsoap.org/soap/envelope/")

_schemas = {}


def schema_of(wsdl_path):
    """The WSDL's <types> schema as a standalone XMLSchema (namespace declarations of the WSDL carried over)."""
    if wsdl_path not in _schemas:
        root = etree.parse(wsdl_path).getroot()
        embedded = root.find(".//{%s}schema" % XS)
        nsmap = {k: v for k, v in root.nsmap.items() if k}
        nsmap.update({k: v for k, v in embedded.nsmap.items() if k})
        standalone = etree.Element(embedded.tag, nsmap=nsmap, attrib=dict(embedded.attrib))
        for node in embedded:
            standalone.append(copy.deepcopy(node))
        _schemas[wsdl_path] = etree.XMLSchema(etree.ElementTree(standalone))
    return _schemas[wsdl_path]


def body_element(path):
    envelope = etree.parse(path).getroot()
    if etree.QName(envelope).namespace not in ENVELOPES:
        raise ValueError("not a SOAP envelope")
    body = envelope.find("{%s}Body" % etree.QName(envelope).namespace)
    elements = [c for c in body if isinstance(c.tag, str)]
    if len(elements) != 1:
        raise ValueError("Body must hold one element")
    return elements[0]


def check_message(entry):
    schema = schema_of(entry["wsdl"])
    element = body_element(entry["file"])
    if schema.validate(element):
        return None
    return [f"{e.message} (line {e.line})" for e in schema.error_log][:5]


def binding_facts(wsdl_path):
    import zeep

    client = zeep.Client(wsdl_path)
    facts = {}
    for binding in client.wsdl.bindings.values():
        for name, op in binding._operations.items():
            facts[name] = {
                "soapAction": op.soapaction,
                "input": str(op.input.body.qname),
                "output": str(op.output.body.qname),
                "inputHeader": op.input.header.signature(),
                "outputHeader": op.output.header.signature() if op.output.header else None,
                "inputType": op.input.body.type.signature(schema=client.wsdl.types),
                "outputType": op.output.body.type.signature(schema=client.wsdl.types),
            }
    services = {s.name: sorted(p.name for p in s.ports.values()) for s in client.wsdl.services.values()}
    return {"operations": facts, "services": services}


def main():
    manifest = json.load(open(sys.argv[1]))
    invalid = []
    for entry in manifest.get("messages", []):
        try:
            errors = check_message(entry)
        except Exception as e:  # a file we cannot even read as SOAP is a failure too
            errors = [repr(e)]
        if errors:
            invalid.append({"file": entry["file"], "errors": errors})
    mismatches = []
    for pair in manifest.get("wsdlPairs", []):
        ours, official = binding_facts(pair["ours"]), binding_facts(pair["official"])
        if ours != official:
            mismatches.append({"ours": pair["ours"], "oursFacts": ours, "officialFacts": official})
    print(json.dumps({"checked": len(manifest.get("messages", [])), "invalid": invalid, "wsdlMismatches": mismatches}))


if __name__ == "__main__":
    main()
