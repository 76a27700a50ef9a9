"""Data, not code: installed as `pipeline.models` so that gazetteers and tables ship in wheels."""
