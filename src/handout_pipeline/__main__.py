from handout_pipeline.cli import main

main()
