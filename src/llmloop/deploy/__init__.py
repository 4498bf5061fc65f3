"""Deploy stage: releases, feature flags, gradual rollouts and canary analysis."""
