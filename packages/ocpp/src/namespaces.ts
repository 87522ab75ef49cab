/** Namespaces of the SOAP envelopes and WS-Addressing headers that OCPP-S uses. */
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope'
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/'
/** WS-Addressing 1.0 (W3C), the one the OCPP WSDLs' policy names. */
export const WSA_NS = 'http://www.w3.org/2005/08/addressing'
/** The pre-standard "member submission" WS-Addressing namespace some older station stacks still send. */
export const WSA_SUBMISSION_NS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing'
export const WSA_ANONYMOUS = `${WSA_NS}/anonymous`
/** wsa:Action of a SOAP fault reply (WS-Addressing 1.0 SOAP binding). */
export const WSA_FAULT_ACTION = `${WSA_NS}/soap/fault`
export const XML_NS = 'http://www.w3.org/XML/1998/namespace'

/** SOAP envelope version: OCPP-S is SOAP 1.2; some stations still send SOAP 1.1. */
export type SoapVersion = '1.1' | '1.2'

/** OCPP protocol versions spoken over SOAP. */
export type OcppVersion = '1.5' | '1.6'

export const OCPP_VERSIONS: readonly OcppVersion[] = ['1.5', '1.6']
