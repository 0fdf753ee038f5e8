"""Designing the sales organisation: the network-thinking lab (Vester's sensitivity model) and
the what-if simulation."""
