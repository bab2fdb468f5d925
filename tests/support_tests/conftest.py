from tests.support.fixtures import fake_slack, fake_socket

__all__ = ["fake_slack", "fake_socket"]
