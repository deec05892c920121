"""The legalize-tf rule table (filled by the family modules)."""

from passes.patterns import PatternTable

LEGALIZE_TF = PatternTable("legalize-tf")
