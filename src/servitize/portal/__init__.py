"""The customer portal: a customer's users see their machines, reports, quotes, sheets and data-sharing agreements, and act on them."""
