"""The spiders: `base.NewsSpider` holds the crawl strategy; one small file per site."""
