"""Measures of the sales organisation: what acquiring a customer costs (CAC), what a customer is
worth over time (CLV), recurring revenue and churn, and one scorecard for sales and service."""
