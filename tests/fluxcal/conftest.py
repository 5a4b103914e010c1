import pytest

from .casarun import analyst_goal_run


@pytest.fixture(scope="session")
def analyst_goal(goal_ebs, tmp_path_factory):
    return analyst_goal_run(goal_ebs, tmp_path_factory)
