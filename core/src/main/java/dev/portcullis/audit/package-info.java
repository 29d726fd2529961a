/**
 * Decision logs: {@link dev.portcullis.audit.JsonDecisionLog} writes one JSON line per decision in
 * OPA's decision-log field names, off the deciding thread.
 */
package dev.portcullis.audit;
