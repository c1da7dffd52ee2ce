"""Exchange Kiosk (积分兑换终端): the kiosk domain, storage, services and CLI."""

__version__ = "0.1.0"
