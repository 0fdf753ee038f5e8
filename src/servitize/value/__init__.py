"""The value case: savings quantified from the customer's own records, the alternatives (buy,
service agreement, subscription, availability contract) side by side as cash flows, TCO, NPV,
IRR and payback, a value-based price, and the sensitivity of each assumption."""
