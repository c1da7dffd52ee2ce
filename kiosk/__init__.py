"""Exchange Kiosk (积分兑换终端): the kiosk program: storage, services, scanning, sync, CLI."""

from core import __version__

__all__ = ["__version__"]
