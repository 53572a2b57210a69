"""The seed's linear layer ``Z = W X + B`` (Eq. 10-30): closed forms, losses, and the verification table.

:mod:`~autograd_core.layer.closed_form` holds the hand-derived results by equation number,
written independently of the engine so that they can check it; :mod:`~autograd_core.layer.verify`
puts the engines, the closed forms and finite differences side by side.
"""
