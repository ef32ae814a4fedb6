"""GOV.UK Notify: the email and SMS edge of the bot (see bot/ports/notify.py for the port)."""

from handlers.notify.client import DisabledNotifier, NotifyNotifier, build_notifier

__all__ = ["DisabledNotifier", "NotifyNotifier", "build_notifier"]
