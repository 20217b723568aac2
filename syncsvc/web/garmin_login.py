"""Garmin's login with its MFA step, across two page requests.

Garmin's client asks for the MFA code in the middle of its login call. The
first request starts the login in a thread and waits until it either finishes
or asks for a code; the page then shows the code form, and the second request
hands the code to the waiting thread. The password lives only in that
thread's call and is never stored. One login at a time per athlete, in this
process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

MFA_WAIT_S = 300.0
STEP_WAIT_S = 60.0


@dataclass
class _Login:
    needs_code: threading.Event = field(default_factory=threading.Event)
    code_given: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    code: str = ""
    error: BaseException | None = None
    result: str | None = None


@dataclass(frozen=True, slots=True)
class LoginStep:
    """Where a login stands: finished (with an error or not), or waiting for the MFA code."""

    needs_code: bool
    error: BaseException | None = None


class GarminLogins:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logins: dict[int, _Login] = {}

    def start(self, athlete_id: int, run: Callable[[Callable[[], str]], object]) -> LoginStep:
        """Run `run(ask_code)` in a thread; return when it ends or asks for the code."""
        login = _Login()
        with self._lock:
            self._logins[athlete_id] = login

        def ask_code() -> str:
            login.needs_code.set()
            if not login.code_given.wait(MFA_WAIT_S):
                raise TimeoutError("no MFA code came in time")
            return login.code

        def work() -> None:
            try:
                run(ask_code)
            except BaseException as error:  # handed to the page, which shows it as a message
                login.error = error
            finally:
                login.finished.set()

        threading.Thread(target=work, name="garmin-login", daemon=True).start()
        return self._step(athlete_id, login)

    def give_code(self, athlete_id: int, code: str) -> LoginStep:
        with self._lock:
            login = self._logins.get(athlete_id)
        if login is None or not login.needs_code.is_set():
            return LoginStep(False, LookupError("no Garmin login is waiting for a code"))
        login.code = code
        login.code_given.set()
        login.needs_code.clear()
        return self._step(athlete_id, login)

    def _step(self, athlete_id: int, login: _Login) -> LoginStep:
        waited = 0.0
        while waited < STEP_WAIT_S:
            if login.finished.wait(0.05):
                with self._lock:
                    self._logins.pop(athlete_id, None)
                return LoginStep(False, login.error)
            if login.needs_code.is_set():
                return LoginStep(True)
            waited += 0.05
        return LoginStep(False, TimeoutError("Garmin Connect did not answer in time"))
